import Foundation
import PlatformCore

/// A small Stripe on 127.0.0.1 that keeps state, for tests and trials of billing: customers,
/// subscriptions (trials, price changes with prorations invoiced, cancel at period end or now),
/// subscription schedules, invoices and their preview, checkout sessions, attaching payment methods.
/// It reads Stripe's wire format (form-encoded bodies with bracketed keys, the query for GETs) and
/// answers Stripe's JSON objects and error objects. Prices are named `price_<tier>_<month|year|once>`
/// and cost what `amounts` says. `pm_card_declined` is declined, as in Stripe's test mode.
public final class FakeStripe: @unchecked Sendable {
    public let server: StubHTTPServer
    private let state: State

    public var baseURL: String { server.baseURL }
    public var requests: [StubHTTPServer.Request] { server.requests }

    public static func start(amounts: [String: Int] = ["pro": 4900, "business": 19900, "enterprise": 99900]) async throws -> FakeStripe {
        let state = State(amounts: amounts)
        let server = try await StubHTTPServer.start { _, request in state.lock.withLock { state.answer(request) } }
        return FakeStripe(server: server, state: state)
    }

    private init(server: StubHTTPServer, state: State) {
        self.server = server
        self.state = state
    }

    public func shutdown() async throws { try await server.shutdown() }

    /// A subscription object as Stripe would send it in an event.
    public func subscription(_ id: String) -> JSONValue? { state.lock.withLock { state.subscriptions[id].map(state.object) } }

    /// The subscription's period ends: the next phase of its schedule (if any) begins and the
    /// schedule lets go, or it ends if set to cancel, or it renews; a trial ends into a paid period.
    /// Answers the subscription as it then is.
    @discardableResult
    public func endPeriod(_ id: String) -> JSONValue? {
        state.lock.withLock {
            guard var subscription = state.subscriptions[id] else { return nil }
            let start = subscription.periodEnd
            if subscription.cancelAtPeriodEnd {
                (subscription.status, subscription.endedAt) = ("canceled", start)
            } else {
                if let schedule = subscription.schedule, let next = state.schedules[schedule]?.nextPrice {
                    subscription.price = next
                    subscription.schedule = nil
                    state.schedules[schedule] = nil
                }
                subscription.status = "active"
                subscription.periodStart = start
                subscription.periodEnd = start + State.length(of: subscription.price)
                state.invoice(subscription, amount: state.amount(subscription.price), reason: "subscription_cycle")
                subscription.latestInvoice = state.subscriptions[id]?.latestInvoice
            }
            state.subscriptions[id] = subscription
            return state.object(subscription)
        }
    }

    /// Adds a subscription (as a checkout paid through the pay link would) and answers its id.
    public func addSubscription(customer: String, email: String, price: String, trialDays: Int = 0) -> String {
        state.lock.withLock {
            state.customers[customer] = email
            return state.create(customer: customer, price: price, trialDays: trialDays, metadata: [:]).id
        }
    }

    fileprivate final class State: @unchecked Sendable {
        let lock = NSLock()
        let amounts: [String: Int]
        var next = 0
        var customers: [String: String] = [:]
        var subscriptions: [String: Subscription] = [:]
        var schedules: [String: Schedule] = [:]
        var invoices: [JSONValue] = []

        init(amounts: [String: Int]) { self.amounts = amounts }

        struct Subscription {
            let id: String
            let customer: String
            let itemID: String
            var price: String
            var status: String
            var periodStart: Int
            var periodEnd: Int
            var trialStart: Int?
            var trialEnd: Int?
            var cancelAtPeriodEnd = false
            var canceledAt: Int?
            var endedAt: Int?
            var schedule: String?
            var metadata: [String: JSONValue]
            var latestInvoice: String?
        }

        struct Schedule {
            let subscription: String
            var nextPrice: String?
        }

        func id(_ prefix: String) -> String {
            next += 1
            return "\(prefix)_fake\(next)"
        }

        static var now: Int { Int(Date().timeIntervalSince1970) }

        static func length(of price: String) -> Int { price.hasSuffix("_year") ? 365 * 86_400 : 30 * 86_400 }

        func amount(_ price: String) -> Int {
            let parts = price.split(separator: "_")
            guard parts.count == 3 else { return 0 }
            let monthly = amounts[String(parts[1])] ?? 0
            return parts[2] == "year" ? monthly * 10 : monthly
        }

        func create(customer: String, price: String, trialDays: Int, metadata: [String: JSONValue]) -> Subscription {
            let now = Self.now
            let trialEnd = trialDays > 0 ? now + trialDays * 86_400 : nil
            let subscription = Subscription(
                id: id("sub"), customer: customer, itemID: id("si"), price: price, status: trialEnd == nil ? "active" : "trialing", periodStart: now,
                periodEnd: trialEnd ?? now + Self.length(of: price), trialStart: trialEnd == nil ? nil : now, trialEnd: trialEnd, metadata: metadata)
            subscriptions[subscription.id] = subscription
            invoice(subscription, amount: trialEnd == nil ? amount(price) : 0, reason: "subscription_create")
            return subscriptions[subscription.id]!
        }

        func invoice(_ subscription: Subscription, amount: Int, reason: String) {
            let number = invoices.count + 1
            let invoice = id("in")
            subscriptions[subscription.id]?.latestInvoice = invoice
            invoices.insert([
                "id": .string(invoice), "object": "invoice", "number": .string("FAKE-\(String(format: "%04d", number))"), "status": "paid",
                "customer": .string(subscription.customer), "subscription": .string(subscription.id), "currency": "usd",
                "total": .number(Double(amount)), "amount_due": .number(Double(amount)), "amount_paid": .number(Double(amount)),
                "billing_reason": .string(reason), "created": .number(Double(Self.now + number)),
                "hosted_invoice_url": .string("https://invoice.stripe.com/i/fake\(number)"),
                "lines": ["object": "list", "data": [[
                    "description": .string("1 × \(subscription.price)"),
                    "period": ["start": .number(Double(subscription.periodStart)), "end": .number(Double(subscription.periodEnd))],
                ]]],
            ], at: 0)
        }

        func object(_ subscription: Subscription) -> JSONValue {
            func time(_ value: Int?) -> JSONValue { value.map { .number(Double($0)) } ?? .null }
            return [
                "id": .string(subscription.id), "object": "subscription", "customer": .string(subscription.customer), "status": .string(subscription.status),
                "current_period_start": time(subscription.periodStart), "current_period_end": time(subscription.periodEnd),
                "trial_start": time(subscription.trialStart), "trial_end": time(subscription.trialEnd),
                "cancel_at_period_end": .bool(subscription.cancelAtPeriodEnd), "canceled_at": time(subscription.canceledAt),
                "ended_at": time(subscription.endedAt), "schedule": subscription.schedule.map(JSONValue.string) ?? .null,
                "latest_invoice": subscription.latestInvoice.map(JSONValue.string) ?? .null,
                "metadata": .object(subscription.metadata),
                "items": ["object": "list", "data": [["id": .string(subscription.itemID), "object": "subscription_item", "price": [
                    "id": .string(subscription.price), "object": "price", "unit_amount": .number(Double(amount(subscription.price))),
                ]]]],
            ]
        }

        func answer(_ request: StubHTTPServer.Request) -> StubHTTPServer.Response {
            let path = request.uri.split(separator: "?").first.map(String.init) ?? request.uri
            let parts = path.split(separator: "/").map(String.init)
            let form = request.form
            guard request.headers["authorization"]?.hasPrefix("Bearer sk_") == true else {
                return Self.error(401, "invalid_request_error", "You did not provide a valid API key.")
            }
            switch (request.method, parts.dropFirst().first ?? "", parts.count) {
            case ("POST", "customers", 2):
                let customer = id("cus")
                customers[customer] = form["email"] ?? ""
                return Self.json(["id": .string(customer), "object": "customer", "email": .string(form["email"] ?? "")])
            case ("POST", "payment_methods", 4):
                if parts[2] == "pm_card_declined" { return Self.error(402, "card_error", "Your card was declined.", code: "card_declined") }
                return Self.json(["id": .string(parts[2]), "object": "payment_method", "customer": .string(form["customer"] ?? "")])
            case ("GET", "prices", 3):
                guard parts[2].hasPrefix("price_") else { return Self.missing("price", parts[2]) }
                return Self.json([
                    "id": .string(parts[2]), "object": "price", "type": parts[2].hasSuffix("_once") ? "one_time" : "recurring",
                    "unit_amount": .number(Double(amount(parts[2]))), "currency": "usd",
                ])
            case ("POST", "checkout", 3):
                let session = id("cs")
                return Self.json(["id": .string(session), "object": "checkout.session", "url": .string("https://checkout.stripe.com/c/pay/\(session)")])
            case ("POST", "subscriptions", 2):
                guard let customer = form["customer"], customers[customer] != nil, let price = form["items[0][price]"] else {
                    return Self.error(400, "invalid_request_error", "Missing customer or price.")
                }
                var metadata: [String: JSONValue] = [:]
                for (key, value) in form where key.hasPrefix("metadata[") { metadata[String(key.dropFirst(9).dropLast())] = .string(value) }
                return Self.json(object(create(customer: customer, price: price, trialDays: Int(form["trial_period_days"] ?? "") ?? 0, metadata: metadata)))
            case ("GET", "subscriptions", 3):
                guard let subscription = subscriptions[parts[2]] else { return Self.missing("subscription", parts[2]) }
                return Self.json(object(subscription))
            case ("POST", "subscriptions", 3):
                guard var subscription = subscriptions[parts[2]] else { return Self.missing("subscription", parts[2]) }
                guard subscription.status != "canceled" else {
                    return Self.error(400, "invalid_request_error", "A canceled subscription can only update its cancellation_details and metadata.")
                }
                if subscription.schedule != nil, form["cancel_at_period_end"] != nil || form["items[0][price]"] != nil {
                    return Self.error(400, "invalid_request_error", "The subscription is managed by the subscription schedule.")
                }
                if let price = form["items[0][price]"] {
                    guard form["items[0][id]"] == subscription.itemID else { return Self.error(400, "invalid_request_error", "No such subscription item.") }
                    let old = amount(subscription.price)
                    subscription.price = price
                    if form["proration_behavior"] == "always_invoice" {
                        let left = Double(subscription.periodEnd - Self.now) / Double(subscription.periodEnd - subscription.periodStart)
                        invoice(subscription, amount: Int((Double(amount(price) - old) * left).rounded()), reason: "subscription_update")
                    }
                }
                if let cancel = form["cancel_at_period_end"] {
                    subscription.cancelAtPeriodEnd = cancel == "true"
                    subscription.canceledAt = cancel == "true" ? Self.now : nil
                }
                if form["trial_end"] == "now", subscription.status == "trialing" {
                    let now = Self.now
                    (subscription.status, subscription.trialEnd, subscription.periodStart) = ("active", now, now)
                    subscription.periodEnd = now + Self.length(of: subscription.price)
                    invoice(subscription, amount: amount(subscription.price), reason: "subscription_cycle")
                }
                subscription.latestInvoice = subscriptions[subscription.id]?.latestInvoice
                subscriptions[subscription.id] = subscription
                var answer = object(subscription)
                if form["expand[0]"] == "latest_invoice", case .object(var fields) = answer {
                    fields["latest_invoice"] = invoices.first { $0["id"]?.stringValue == subscription.latestInvoice } ?? .null
                    answer = .object(fields)
                }
                return Self.json(answer)
            case ("DELETE", "subscriptions", 3):
                guard var subscription = subscriptions[parts[2]] else { return Self.missing("subscription", parts[2]) }
                (subscription.status, subscription.canceledAt, subscription.endedAt, subscription.schedule) = ("canceled", Self.now, Self.now, nil)
                subscriptions[subscription.id] = subscription
                return Self.json(object(subscription))
            case ("POST", "subscription_schedules", 2):
                guard let id = form["from_subscription"], var subscription = subscriptions[id] else { return Self.missing("subscription", "?") }
                guard subscription.schedule == nil else { return Self.error(400, "invalid_request_error", "The subscription already has a schedule.") }
                let schedule = self.id("sub_sched")
                schedules[schedule] = Schedule(subscription: id)
                subscription.schedule = schedule
                subscriptions[id] = subscription
                return Self.json(["id": .string(schedule), "object": "subscription_schedule", "subscription": .string(id)])
            case ("POST", "subscription_schedules", 3):
                guard var schedule = schedules[parts[2]], let subscription = subscriptions[schedule.subscription] else {
                    return Self.missing("subscription_schedule", parts[2])
                }
                guard form["phases[0][start_date]"] == String(subscription.periodStart), form["phases[0][items][0][price]"] == subscription.price else {
                    return Self.error(400, "invalid_request_error", "The first phase must be the current one.")
                }
                schedule.nextPrice = form["phases[1][items][0][price]"]
                schedules[parts[2]] = schedule
                return Self.json(["id": .string(parts[2]), "object": "subscription_schedule", "subscription": .string(schedule.subscription)])
            case ("POST", "subscription_schedules", 4) where parts[3] == "release":
                guard let schedule = schedules[parts[2]] else { return Self.missing("subscription_schedule", parts[2]) }
                schedules[parts[2]] = nil
                subscriptions[schedule.subscription]?.schedule = nil
                return Self.json(["id": .string(parts[2]), "object": "subscription_schedule", "status": "released"])
            case ("GET", "invoices", 2):
                let mine = invoices.filter { $0["customer"]?.stringValue == form["customer"] }
                let limit = Int(form["limit"] ?? "") ?? 10
                var list: JSONValue = ["object": "list", "data": .array(Array(mine.prefix(limit))), "has_more": .bool(mine.count > limit)]
                if form["include[]"] == "total_count", case .object(var fields) = list {
                    fields["total_count"] = .number(Double(mine.count))
                    list = .object(fields)
                }
                return Self.json(list)
            case ("GET", "invoices", 3) where parts[2] == "upcoming":
                guard let subscription = subscriptions[form["subscription"] ?? ""], subscription.status != "canceled", !subscription.cancelAtPeriodEnd else {
                    return Self.error(404, "invalid_request_error", "No upcoming invoices for customer.", code: "invoice_upcoming_none")
                }
                let price = subscription.schedule.flatMap { schedules[$0]?.nextPrice } ?? subscription.price
                let start = subscription.periodEnd
                return Self.json([
                    "object": "invoice", "id": .string("upcoming_in_\(subscription.id)"), "customer": .string(subscription.customer), "currency": "usd",
                    "total": .number(Double(amount(price))), "amount_due": .number(Double(amount(price))), "amount_paid": 0, "status": "draft",
                    "created": .number(Double(Self.now)), "next_payment_attempt": .number(Double(start)),
                    "lines": ["object": "list", "data": [[
                        "description": .string("1 × \(price)"), "period": ["start": .number(Double(start)), "end": .number(Double(start + Self.length(of: price)))],
                    ]]],
                ])
            default:
                return Self.error(404, "invalid_request_error", "Unrecognized request URL (\(request.method): \(path)).")
            }
        }

        static func json(_ value: JSONValue) -> StubHTTPServer.Response {
            .json(String(decoding: (try? JSONWriter.data(value)) ?? Data(), as: UTF8.self), headers: [("Request-Id", "req_fake")])
        }

        static func error(_ status: Int, _ type: String, _ message: String, code: String? = nil) -> StubHTTPServer.Response {
            var error: JSONValue = ["type": .string(type), "message": .string(message)]
            if let code, case .object(var fields) = error {
                fields["code"] = .string(code)
                error = .object(fields)
            }
            return .json(String(decoding: (try? JSONWriter.data(["error": error] as JSONValue)) ?? Data(), as: UTF8.self), status: status)
        }

        static func missing(_ kind: String, _ id: String) -> StubHTTPServer.Response {
            error(404, "invalid_request_error", "No such \(kind): '\(id)'", code: "resource_missing")
        }
    }
}

extension StubHTTPServer.Request {
    /// The form-encoded body (or a GET's query) as Stripe reads it.
    public var form: [String: String] {
        let text = method == "GET" ? String(uri.split(separator: "?").dropFirst().first ?? "") : String(decoding: body, as: UTF8.self)
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        return fields
    }
}
