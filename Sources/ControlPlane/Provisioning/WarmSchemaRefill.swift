import Foundation
import Logging
import PlatformCore
import ServiceLifecycle

/// Keeps `count` warm schemas made (`TenantMigrating.makeWarmSchema`), one at a time: woken when a
/// signup takes one, and looking again every 30 seconds in case a notice was missed or another
/// worker's maker died.
struct WarmSchemaRefill: Service {
    let migrator: any TenantMigrating
    let hub: NotificationHub
    let count: Int
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                let seen = await hub.generation(of: DatabaseListener.warmSchemaTaken)
                do {
                    if try await migrator.makeWarmSchema(upTo: count, logger: logger) {
                        failures = 0
                        continue
                    }
                } catch {
                    if Task.isCancelled { break }
                    failures += 1
                    logger.warning("could not make a warm schema", metadata: ["error": "\(String(reflecting: error))"])
                    try? await Task.sleep(for: .seconds(min(30, 1 << min(failures, 5))))
                    continue
                }
                _ = await hub.wait(for: DatabaseListener.warmSchemaTaken, after: seen, timeout: .seconds(30))
            }
        }
    }
}
