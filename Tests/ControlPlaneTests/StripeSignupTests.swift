import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import PostgresNIO
import Testing

@testable import ControlPlane

/// Signup with Stripe (flow §3.1) and payment first, account second (flow §3.2), against a small
/// Stripe that keeps state, with real mail and a real SSE reader.
@Suite struct StripeSignupTests {
    static func signup(_ email: String, paymentMethod: String? = nil) -> JSONValue {
        var body: JSONValue = ["email": .string(email), "password": "correct horse battery staple", "full_name": "Ada", "company_name": "Ada's Shop"]
        if let paymentMethod, case .object(var fields) = body {
            fields["payment_method_id"] = .string(paymentMethod)
            body = .object(fields)
        }
        return body
    }

    static func headers(_ result: JSONResponse) -> HTTPFields {
        .bearer(result.json["access_token"]?.stringValue ?? "", workspace: result.json["workspace_id"]?.stringValue ?? "")
    }

    @Test func signupStartsAStripeTrialWithAPaymentMethodAndOtherwiseAnswersACheckoutPage() async throws {
        let stripe = try await FakeStripe.start()
        defer { Task { try? await stripe.shutdown() } }
        try await TestPlatform.run(configure: { StripeBillingTests.configure(&$0, stub: stripe.server) }) { client, platform in
            try await StripeBillingTests.setPrices(platform)

            let paying = try await client.request(.post, "/api/v1/auth/signup", json: Self.signup("card@example.com", paymentMethod: "pm_card_visa"))
            #expect(paying.status == .created && paying.json["checkout_url"] == nil)
            let workspace = try #require(paying.json["workspace_id"]?.stringValue)
            let created = try #require(stripe.requests.last { $0.method == "POST" && $0.uri == "/v1/subscriptions" })
            #expect(created.form["trial_period_days"] == "3" && created.form["items[0][price]"] == "price_pro_month")
            #expect(created.headers["idempotency-key"] == "signup-subscription:\(workspace)")
            #expect(stripe.requests.last { $0.uri == "/v1/customers" }?.form["email"] == "card@example.com")
            let subscription = try await client.request(.get, "/api/v1/billing/subscription", headers: Self.headers(paying))
            #expect(subscription.json["provider"] == "stripe" && subscription.json["status"] == "trialing" && subscription.json["trial_days_remaining"] == 3)

            let later = try await client.request(.post, "/api/v1/auth/signup", json: Self.signup("later@example.com"))
            #expect(later.status == .created && later.json["checkout_url"]?.stringValue?.hasPrefix("https://checkout.stripe.com/c/pay/cs_") == true)
            let session = try #require(stripe.requests.last { $0.uri == "/v1/checkout/sessions" })
            #expect(session.form["subscription_data[trial_period_days]"] == "3" && session.form["mode"] == "subscription")
            let local = try await client.request(.get, "/api/v1/billing/subscription", headers: Self.headers(later))
            #expect(local.json["provider"] == "self_hosted" && local.json["status"] == "trialing", "on its own trial until it pays")

            // A refused card still makes the account; the answer is the page to pay on.
            let declined = try await client.request(.post, "/api/v1/auth/signup", json: Self.signup("declined@example.com", paymentMethod: "pm_card_declined"))
            #expect(declined.status == .created && declined.json["checkout_url"] != nil)

            let bad = try await client.request(.post, "/api/v1/auth/signup", json: Self.signup("bad@example.com", paymentMethod: "pm_x/../customers"))
            #expect(bad.status == .unprocessableContent && bad.json["error"]?["details"]?["fields"]?["payment_method_id"] != nil)
        }
    }

    static func checkoutCompleted(_ id: String, session: String, email: String, subscription: String?, customer: String) throws -> String {
        try StripeBillingTests.event(id, "checkout.session.completed", created: Int(Date().timeIntervalSince1970), object: [
            "id": .string(session), "object": "checkout.session", "mode": subscription == nil ? "payment" : "subscription",
            "customer": .string(customer), "subscription": subscription.map(JSONValue.string) ?? .null, "client_reference_id": .null,
            "customer_details": ["email": .string(email), "name": "Pat Payer"],
            "metadata": ["price_id": "price_pro_month", "affiliate_code": "aff-7"],
        ])
    }

    /// Pays, gets the email, finds the invite both ways, and signs up with it over the job's SSE stream.
    @Test func aPaidInviteBecomesAnAccountAndWorkspaceOnThePaidSubscription() async throws {
        let stripe = try await FakeStripe.start()
        defer { Task { try? await stripe.shutdown() } }
        try await TestPlatform.run(.live, configure: { StripeBillingTests.configure(&$0, stub: stripe.server) }) { client, platform in
            try await StripeBillingTests.setPrices(platform)

            let pay = try await client.request(.get, "/api/v1/billing/pay/price_pro_month?ref=aff-7")
            #expect(pay.status == .found)
            #expect(stripe.requests.last { $0.uri == "/v1/checkout/sessions" }?.form["metadata[price_id]"] == "price_pro_month")

            // Stripe says the checkout completed; there is no workspace yet, so it becomes an invite.
            let paid = stripe.addSubscription(customer: "cus_paid", email: "payer@example.com", price: "price_pro_month")
            let completed = try Self.checkoutCompleted("evt_paid", session: "cs_paid", email: "Payer@Example.com", subscription: paid, customer: "cus_paid")
            #expect(try await StripeBillingTests.deliver(completed, client).json["outcome"] == "invited")
            #expect(try await StripeBillingTests.deliver(completed, client).json["outcome"] == "duplicate")
            let resent = try Self.checkoutCompleted("evt_paid_again", session: "cs_paid", email: "payer@example.com", subscription: paid, customer: "cus_paid")
            #expect(try await StripeBillingTests.deliver(resent, client).json["outcome"] == "ignored", "one invite per checkout session")

            let mail = try await platform.mailbox.latest(to: "payer@example.com")
            #expect(mail.subject == "Your payment is confirmed: set up your workspace")
            let code = try #require(mail.linkParameter("code"))
            #expect(mail.link?.path == "/signup/invite")
            let accessCode = try #require(mail.text.split(whereSeparator: \.isWhitespace).first { $0.count == 9 && $0.dropFirst(4).first == "-" }.map(String.init))
            #expect(try await platform.mailbox.messages().count == 1)
            let stored = try await platform.withDatabase { db in
                try await db.query("SELECT count(*)::int FROM control.stripe_invites WHERE code_digest = sha256(convert_to(\(code), 'UTF8'))", logger: StripeBillingTests.logger)
                    .decode(Int.self).first { _ in true }
            }
            #expect(stored == 1, "the code is kept only as its SHA-256")

            let details = try await client.request(.get, "/api/v1/auth/stripe-invite/\(code)")
            #expect(details.status == .ok && details.json["email"] == "payer@example.com" && details.json["tier"] == "pro" && details.json["status"] == "pending")
            #expect(details.json["invite_code"] == nil && details.json["customer_name"] == "Pat Payer")
            #expect(try await client.request(.get, "/api/v1/auth/stripe-invite/not-a-real-code").errorCode == "invite_not_found")

            let wrong = try await client.request(.post, "/api/v1/auth/lookup-invite", json: ["email": "payer@example.com", "access_code": "AAAA-AAAA"])
            #expect(wrong.status == .notFound && wrong.errorCode == "invite_not_found")
            let typed = accessCode.lowercased().replacingOccurrences(of: "-", with: " ")
            let found = try await client.request(.post, "/api/v1/auth/lookup-invite", json: ["email": "PAYER@example.com", "access_code": .string(typed)])
            #expect(found.status == .ok && found.json["invite_code"]?.stringValue == code)

            let noPassword = try await client.request(.post, "/api/v1/auth/signup/stripe-invite", json: ["invite_code": .string(code), "company_name": "Paid Co"])
            #expect(noPassword.status == .unprocessableContent)

            let accepted = try await client.request(
                .post, "/api/v1/auth/signup/stripe-invite/async",
                json: ["invite_code": .string(code), "password": "correct horse battery staple", "company_name": "Paid Co"])
            #expect(accepted.status == .accepted)
            let stream = try #require(accepted.json["stream_url"]?.stringValue)
            #expect(stream.hasPrefix("/api/v1/auth/signup/jobs/"))
            let read = try await SSEReader.read("http://127.0.0.1:\(try #require(client.port))" + stream, timeout: .seconds(60))
            let payloads = try read.events.map { try JSONDecoder().decode(JSONValue.self, from: Data($0.data.utf8)) }
            let last = try #require(payloads.last)
            #expect(last["status"] == "COMPLETED" && last["progress"] == 100)
            let steps = payloads.compactMap { $0["current_step"]?.stringValue }
            #expect(steps.contains("creating_user"))
            let result = try #require(last["result"])
            #expect(result["workspace_name"] == "Paid Co" && result["refresh_token"]?.stringValue?.hasPrefix("rt_") == true)
            let headers = HTTPFields.bearer(try #require(result["access_token"]?.stringValue), workspace: try #require(result["workspace_id"]?.stringValue))

            let me = try await client.request(.get, "/api/v1/auth/me", headers: headers)
            #expect(me.json["email"] == "payer@example.com" && me.json["full_name"] == "Pat Payer")
            let subscription = try await client.request(.get, "/api/v1/billing/subscription", headers: headers)
            #expect(subscription.json["provider"] == "stripe" && subscription.json["status"] == "active" && subscription.json["tier"] == "pro")
            #expect((subscription.json["trial_end"] ?? .null) == .null, "paid already: no trial")
            let login = try await client.request(.post, "/api/v1/auth/login", json: ["email": "payer@example.com", "password": "correct horse battery staple"])
            #expect(login.status == .ok)

            #expect(try await client.request(.get, "/api/v1/auth/stripe-invite/\(code)").json["status"] == "used")
            let again = try await client.request(
                .post, "/api/v1/auth/signup/stripe-invite", json: ["invite_code": .string(code), "password": "another password 1", "company_name": "Again"])
            #expect(again.status == .conflict && again.errorCode == "invite_used")
        }
    }

    /// A Clerk user needs no password; racing signups with one code make one account.
    @Test func aClerkUserSignsUpWithoutAPasswordAndOneCodeMakesOneAccount() async throws {
        let stripe = try await FakeStripe.start()
        defer { Task { try? await stripe.shutdown() } }
        try await TestPlatform.run(configure: { StripeBillingTests.configure(&$0, stub: stripe.server) }) { client, platform in
            try await StripeBillingTests.setPrices(platform)
            for (index, email) in ["clerk@example.com", "race@example.com"].enumerated() {
                let completed = try Self.checkoutCompleted("evt_\(index)", session: "cs_\(index)", email: email, subscription: nil, customer: "cus_\(index)")
                #expect(try await StripeBillingTests.deliver(completed, client).json["outcome"] == "invited")
            }
            let clerkCode = try #require(try await platform.mailbox.latest(to: "clerk@example.com").linkParameter("code"))
            let clerk = try await client.request(
                .post, "/api/v1/auth/signup/stripe-invite", json: ["invite_code": .string(clerkCode), "clerk_id": "user_2clerk", "company_name": "Clerk Co"])
            #expect(clerk.status == .created && clerk.json["workspace_name"] == "Clerk Co")
            let status = try await client.request(.get, "/api/v1/billing/subscription/status", headers: Self.headers(clerk))
            #expect(status.json["tier"] == "pro" && status.json["is_active"] == true)
            let view = try await client.request(.get, "/api/v1/billing/subscription", headers: Self.headers(clerk))
            #expect(view.json["cancel_at_period_end"] == true, "a one-time purchase ends by itself")
            let clerkID = try await platform.withDatabase { db in
                try await db.query("SELECT clerk_id FROM control.users WHERE email = 'clerk@example.com'", logger: StripeBillingTests.logger)
                    .decode(String?.self).first { _ in true } ?? nil
            }
            #expect(clerkID == "user_2clerk")

            let raceCode = try #require(try await platform.mailbox.latest(to: "race@example.com").linkParameter("code"))
            let answers = try await withThrowingTaskGroup(of: JSONResponse.self) { group in
                for index in 0..<4 {
                    group.addTask {
                        try await client.request(
                            .post, "/api/v1/auth/signup/stripe-invite",
                            json: ["invite_code": .string(raceCode), "password": .string("correct horse battery \(index)"), "company_name": .string("Race \(index)")])
                    }
                }
                return try await group.reduce(into: [JSONResponse]()) { $0.append($1) }
            }
            #expect(answers.filter { $0.status == .created }.count == 1)
            #expect(answers.filter { $0.status == .conflict }.count == 3, "\(answers.map(\.status))")
            let made = try await platform.withDatabase { db in
                try await db.query("""
                    SELECT (SELECT count(*) FROM control.users WHERE email = 'race@example.com')::int,
                           (SELECT count(*) FROM control.workspaces WHERE name LIKE 'Race %')::int
                    """, logger: StripeBillingTests.logger).decode((Int, Int).self).first { _ in true }
            }
            #expect(made?.0 == 1 && made?.1 == 1, "nothing half-made is left behind")
        }
    }
}
