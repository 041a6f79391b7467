import Foundation
import PlatformCore
import TenantPlane
import VisibilityEngine

extension PlatformServer {
    /// The providers visibility runs may ask, from the deployment's settings.
    static func visibilityProviders(_ config: PlatformConfig) -> [VisibilityProvider] {
        config.visibility.providers.map { provider in
            VisibilityProvider(
                name: provider.name.rawValue, model: provider.model, creditsPerItem: provider.creditsPerItem,
                client: provider.answerProvider(config.visibility))
        }
    }
}
