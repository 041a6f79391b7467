import Foundation

/// The messages the control plane sends. Links start with `PUBLIC_URL` and land on the console's
/// pages, which call the API with the token.
struct MailTemplates: Sendable {
    let publicURL: String

    func link(_ path: String, _ query: [(String, String)]) -> String {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        let encoded = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
        return "\(publicURL)\(path)?\(encoded)"
    }

    func passwordReset(to email: String, token: String, validFor: String) -> Mail {
        let url = link("/reset-password", [("token", token)])
        return Mail(kind: "password_reset", to: email, subject: "Reset your password", text: """
            Someone asked to reset the password of this account. To choose a new one, open:

            \(url)

            The link works once and expires in \(validFor). If it was not you, ignore this message; your password stays as it is.
            """)
    }

    func activation(to email: String, name: String, workspace: (id: UUID, name: String)?, token: String) -> Mail {
        var query = [("token", token)]
        if let workspace { query.insert(("workspace_id", workspace.id.uuidString.lowercased()), at: 0) }
        let url = link("/activate", query)
        let place = workspace.map { " to join \($0.name)" } ?? ""
        return Mail(kind: "activation", to: email, subject: "Activate your account", text: """
            Hello\(name.isEmpty ? "" : " \(name)"),

            An account was created for you\(place). To set your password and sign in, open:

            \(url)

            The link works once and expires in 7 days.
            """)
    }

    func invitation(to email: String, workspaceName: String, inviter: String, token: String) -> Mail {
        let url = link("/invitations/accept", [("token", token)])
        return Mail(kind: "invitation", to: email, subject: "You are invited to \(workspaceName)", text: """
            \(inviter.isEmpty ? "Someone" : inviter) invited you to the workspace \(workspaceName). To accept, open:

            \(url)

            The link works once and expires in 7 days.
            """)
    }

    /// After paying through the pay link: where to make the account the payment is for.
    func stripeInvite(to email: String, name: String, tier: String?, code: String, accessCode: String) -> Mail {
        let url = link("/signup/invite", [("code", code)])
        return Mail(kind: "stripe_invite", to: email, subject: "Your payment is confirmed: set up your workspace", text: """
            Hello\(name.isEmpty ? "" : " \(name)"),

            Thank you for your payment\(tier.map { " for the \($0) plan" } ?? ""). To create your account and workspace, open:

            \(url)

            Or enter this access code with your email on the final step of the payment page: \(accessCode)

            The invitation works once and expires in 30 days.
            """)
    }
}
