import Foundation
import HTTPTypes
import HummingbirdTesting
import PlatformCore
import PlatformTesting
import Testing
@testable import TenantPlane

/// The relationship-score formula, without a database.
@Suite struct RelationshipScoreFormulaTests {
    @Test func initialScoreByTypeAndReach() {
        #expect(RelationshipScore.initial(contactType: "client", hasEmail: true, hasPhone: true, hasCompany: true) == 65)
        #expect(RelationshipScore.initial(contactType: "lead", hasEmail: false, hasPhone: false, hasCompany: false) == 35)
        #expect(RelationshipScore.initial(contactType: "partner", hasEmail: true, hasPhone: false, hasCompany: false) == 50)
        #expect(RelationshipScore.initial(contactType: "stranger", hasEmail: false, hasPhone: false, hasCompany: false) == 30)
    }

    @Test func pointsDecayAndClamping() {
        #expect(RelationshipScore.points(.meeting, .positive) == 12)
        #expect(RelationshipScore.points(.meeting, .neutral) == 8)
        #expect(RelationshipScore.points(.meeting, .negative) == -8)
        #expect(RelationshipScore.points(.call, .positive) == 9)
        #expect(RelationshipScore.points(.email, .neutral) == 3 && RelationshipScore.points(.message, .negative) == -3)
        #expect(RelationshipScore.points(.note, .positive) == 1 && RelationshipScore.points(.other, .neutral) == 2)

        let now = Date()
        let day: TimeInterval = 86_400
        #expect(RelationshipScore.decay(since: nil, at: now) == 0, "the first interaction")
        #expect(RelationshipScore.decay(since: now.addingTimeInterval(-6 * day), at: now) == 0)
        #expect(RelationshipScore.decay(since: now.addingTimeInterval(-7 * day), at: now) == 1)
        #expect(RelationshipScore.decay(since: now.addingTimeInterval(-29 * day), at: now) == 4)
        #expect(RelationshipScore.decay(since: now.addingTimeInterval(-400 * day), at: now) == 20, "at most 20")
        #expect(RelationshipScore.decay(since: now, at: now.addingTimeInterval(-30 * day)) == 0, "logged out of order")

        #expect(RelationshipScore.after(score: 50, previous: now.addingTimeInterval(-21 * day), type: .call, sentiment: .negative, at: now) == 41)
        #expect(RelationshipScore.after(score: 95, previous: nil, type: .meeting, sentiment: .positive, at: now) == 100)
        #expect(RelationshipScore.after(score: 3, previous: now.addingTimeInterval(-70 * day), type: .meeting, sentiment: .negative, at: now) == 0)
        #expect(RelationshipScore.followUpDays(contactType: "lead") == 2 && RelationshipScore.followUpDays(contactType: "client") == 7)
    }
}

/// Interactions, tasks, relationships, proposals, insights and the dashboard, over HTTP.
@Suite(.serialized) struct CRMWorkflowTests {
    @Test func loggingAnInteractionAppliesTheFormula() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let contact = try await crm.contact(["full_name": "Lee Lead", "contact_type": "lead"])  // 30 + 5

            let first = try await crm.interaction(contact, "meeting", daysAgo: 21, sentiment: "positive")
            #expect(first.json["interaction"]?["score_before"]?.intValue == 35 && first.json["interaction"]?["score_after"]?.intValue == 47)
            #expect(first.json["interaction"]?["analyzed_by"] == "rules" && first.json["ai_error"] == nil)
            #expect(first.json["contact"]?["relationship_score"]?.intValue == 47)
            // Three weeks later, a bad call: −3 for the weeks, −6 for the call; below 40 after a negative one raises an insight.
            let second = try await crm.create("/interactions", [
                "contact_id": .string(contact), "interaction_type": "call", "sentiment": "negative", "subject": "Complaint",
                "content": "Unhappy with the last viewing.", "duration_minutes": 12, "direction": "inbound", "action_items": ["Call back", " "],
            ])
            #expect(second.json["interaction"]?["score_before"]?.intValue == 47 && second.json["interaction"]?["score_after"]?.intValue == 38)
            #expect(second.json["interaction"]?["action_items"] == ["Call back"] && second.json["interaction"]?["direction"] == "inbound")
            #expect(second.json["insights"]?[0]?["insight_type"] == "relationship_at_risk" && second.json["insights"]?[0]?["priority"] == "high")
            let stored = try await crm.request(.get, "/contacts/\(contact)").json["contact"]
            #expect(stored?["relationship_score"]?.intValue == 38)
            let last = try #require(stored?["last_interaction_at"]?.stringValue.flatMap(ISO8601.date(from:)))
            #expect(abs(last.timeIntervalSinceNow) < 60)
            // An interaction logged out of order neither decays the score nor moves the last contact back.
            let late = try await crm.interaction(contact, "note", daysAgo: 30)
            #expect(late.json["interaction"]?["score_after"]?.intValue == 39)
            #expect(late.json["contact"]?["last_interaction_at"] == stored?["last_interaction_at"])
            #expect(late.json["insights"]?.arrayValue == [], "not negative: no new insight")
            let listed = try await crm.request(.get, "/contacts/\(contact)/interactions?limit=2")
            #expect(listed.json["total"]?.intValue == 3 && listed.json["items"]?.arrayValue?.count == 2)
            #expect(listed.json["items"]?[0]?["subject"] == "Complaint", "newest first")
            #expect(try await crm.request(.get, "/contacts/\(UUID())/interactions").errorCode == "contact_not_found")
            #expect(try await crm.request(.post, "/interactions", ["contact_id": .string(UUID().uuidString), "interaction_type": "call"]).errorCode == "contact_not_found")
            let invalid = try await crm.request(.post, "/interactions", [
                "contact_id": .string(contact), "interaction_type": "call", "duration_minutes": 5000, "occurred_at": .string(CRMClient.ago(-3)),
            ])
            #expect(invalid.status == .unprocessableContent && invalid.json["error"]?["details"]?["fields"]?["occurred_at"] != nil)
            #expect(try await crm.request(.post, "/interactions", ["contact_id": .string(contact), "interaction_type": "telegram"]).status == .unprocessableContent)
        }
    }

    @Test func tasksFilterCompleteAndChange() async throws {
        try await TestPlatform.run { client, platform in
            let alice = try await platform.account(.alice, via: client)
            let carol = try await platform.account(.carol, via: client)
            try await platform.addMember(carol, to: alice.workspaceID, role: .member)
            let carolID = try #require(try await client.request(.get, "/api/v1/members/me", headers: carol.headers(workspace: alice.workspaceID)).json["id"]?.stringValue)
            let crm = CRMClient(client: client, headers: alice.headers())
            let a = try await crm.contact(["full_name": "A", "schedule_follow_up": false])
            let b = try await crm.contact(["full_name": "B", "schedule_follow_up": false])
            func task(_ contact: String, _ title: String, _ fields: [String: JSONValue] = [:]) async throws -> String {
                var body: [String: JSONValue] = ["contact_id": .string(contact), "title": .string(title)]
                body.merge(fields) { $1 }
                return try #require(await crm.create("/tasks", .object(body)).json["id"]?.stringValue)
            }
            let soon = try await task(a, "Soon", ["due_at": .string(CRMClient.ago(-1)), "priority": "high"])
            let late = try await task(a, "Late", ["due_at": .string(CRMClient.ago(-5)), "task_type": "call"])
            let overdue = try await task(b, "Overdue", ["due_at": .string(CRMClient.ago(2)), "priority": "urgent"])
            let carols = try await task(b, "Carol's", ["assigned_to": .string(carolID), "priority": "low"])
            let undated = try await task(a, "Whenever")

            #expect(try await crm.ids("/tasks") == [overdue, soon, late, undated, carols], "soonest due first, undated last, then by priority")
            #expect(try await crm.ids("/tasks?contact_id=\(b)") == [overdue, carols])
            #expect(Set(try await crm.ids("/tasks?priority=high,urgent")) == [soon, overdue])
            #expect(Set(try await crm.ids("/tasks?assigned_to_me=true")) == [soon, late, overdue, undated])
            #expect(try await CRMClient(client: client, headers: carol.headers(workspace: alice.workspaceID)).ids("/tasks?assigned_to_me=true") == [carols])
            #expect(try await crm.ids("/tasks?limit=2") == [overdue, soon])
            let overdueTask = try await crm.request(.get, "/tasks?contact_id=\(b)").json["items"]?[0]
            #expect(overdueTask?["is_overdue"] == true)

            let done = try await crm.request(.post, "/tasks/\(soon)/complete?outcome=reached&outcome_notes=Booked%20a%20viewing")
            #expect(done.status == .ok && done.json["status"] == "completed" && done.json["outcome"] == "reached")
            #expect(done.json["outcome_notes"] == "Booked a viewing" && done.json["completed_at"]?.stringValue != nil)
            #expect(try await crm.request(.post, "/tasks/\(soon)/complete").errorCode == "task_already_completed")
            #expect(try await crm.request(.post, "/tasks/\(UUID())/complete").errorCode == "task_not_found")
            #expect(!(try await crm.ids("/tasks")).contains(soon), "completed tasks are left out")
            #expect(try await crm.ids("/tasks?include_completed=true").contains(soon))
            #expect(try await crm.ids("/tasks?status=completed") == [soon])

            let patched = try await crm.request(.patch, "/tasks/\(late)", ["status": "in_progress", "priority": "urgent", "due_at": .null])
            #expect(patched.json["status"] == "in_progress" && patched.json["priority"] == "urgent" && patched.json["due_at"] == nil && patched.json["title"] == "Late")
            let completedByPatch = try await crm.request(.patch, "/tasks/\(late)", ["status": "completed"])
            #expect(completedByPatch.json["completed_at"]?.stringValue != nil)
            let reopened = try await crm.request(.patch, "/tasks/\(late)", ["status": "todo"])
            #expect(reopened.json["completed_at"] == nil && reopened.json["status"] == "todo")
            let replaced = try await crm.request(.put, "/tasks/\(late)", ["title": "Replaced", "priority": "low"])
            #expect(replaced.json["title"] == "Replaced" && replaced.json["task_type"] == "follow_up" && replaced.json["assigned_to"] == nil)
            #expect(try await crm.request(.patch, "/tasks/\(late)", ["title": .null]).status == .unprocessableContent)
            #expect(try await crm.request(.patch, "/tasks/\(late)", ["assigned_to": .string(UUID().uuidString)]).status == .unprocessableContent)
            #expect(try await crm.request(.patch, "/tasks/\(UUID())", ["title": "x"]).errorCode == "task_not_found")
            #expect(try await crm.request(.post, "/tasks", ["contact_id": .string(UUID().uuidString), "title": "x"]).errorCode == "contact_not_found")
        }
    }

    @Test func relationshipsAreCheckedAndBulkIsAllOrNothing() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let me = try #require(try await client.request(.get, "/api/v1/members/me", headers: owner.headers()).json["id"]?.stringValue)
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Homes"], headers: owner.headers()).json["id"]?.stringValue)
            let home = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": [:]], headers: owner.headers())
                .json["id"]?.stringValue)
            let x = try await crm.contact(["full_name": "X"]), y = try await crm.contact(["full_name": "Y"])
            func link(_ sourceType: String, _ source: String, _ targetType: String, _ target: String, _ type: String) -> JSONValue {
                ["source_type": .string(sourceType), "source_id": .string(source), "target_type": .string(targetType), "target_id": .string(target),
                 "relationship_type": .string(type)]
            }

            // One bad end: nothing is made, and the answer names it.
            let refused = try await crm.request(.post, "/relationships/bulk", ["relationships": [
                link("contact", x, "record", home, "owns"), link("contact", y, "member", me, "managed_by"), link("contact", x, "contact", UUID().uuidString, "knows"),
            ]])
            #expect(refused.status == .notFound && refused.errorCode == "relationship_end_not_found")
            #expect(refused.json["error"]?["details"]?["missing"]?[0]?["index"]?.intValue == 2)
            #expect(try await crm.ids("/relationships").isEmpty, "none was made")
            let duplicated = try await crm.request(.post, "/relationships/bulk", ["relationships": [link("contact", x, "contact", y, "knows"), link("contact", x, "contact", y, "knows")]])
            #expect(duplicated.errorCode == "relationship_exists")
            #expect(try await crm.ids("/relationships").isEmpty, "none was made")
            let invalid = try await crm.request(.post, "/relationships/bulk", ["relationships": [link("contact", x, "contact", x, "self")]])
            #expect(invalid.json["error"]?["details"]?["fields"]?["relationships.0.target_id"] != nil)

            let made = try await crm.request(.post, "/relationships/bulk", ["relationships": [
                link("contact", x, "record", home, "owns"), link("contact", y, "member", me, "managed_by"), link("contact", y, "contact", x, "referred_by"),
            ]])
            #expect(made.status == .ok && made.json["created"]?.intValue == 3)
            let ids = made.json["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            #expect(try await crm.request(.post, "/relationships", link("contact", x, "record", home, "owns")).errorCode == "relationship_exists")
            let single = try await crm.create("/relationships", ["source_type": "record", "source_id": .string(home), "target_type": "contact",
                                                                  "target_id": .string(y), "relationship_type": "listed_by", "strength": 70])
            let singleID = try #require(single.json["id"]?.stringValue)

            #expect(Set(try await crm.ids("/relationships?source_type=contact&source_id=\(y)")) == [ids[2], ids[1]])
            #expect(try await crm.ids("/relationships").first == singleID, "newest first")
            #expect(try await crm.ids("/relationships?target_type=record") == [ids[0]])
            #expect(try await crm.ids("/relationships?relationship_type=owns") == [ids[0]])
            #expect(try await crm.ids("/relationships?limit=1&offset=1").count == 1)
            #expect(Set(try await crm.ids("/relationships/entity/contact/\(y)")) == [ids[1], ids[2], singleID])
            #expect(Set(try await crm.ids("/relationships/entity/contact/\(y)?direction=source")) == [ids[1], ids[2]])
            #expect(try await crm.ids("/relationships/entity/contact/\(y)?direction=target") == [singleID])
            #expect(try await crm.ids("/relationships/entity/contact/\(y)?relationship_types=managed_by,owns") == [ids[1]])
            #expect(Set(try await crm.ids("/relationships/entity/record/\(home)")) == [ids[0], singleID])
            #expect(try await crm.ids("/relationships/entity/member/\(me)") == [ids[1]])
            #expect(try await crm.request(.get, "/relationships/entity/planet/\(y)").errorCode == "entity_type_not_found")
            #expect(try await crm.request(.get, "/relationships/entity/contact/\(UUID())").errorCode == "entity_not_found")

            let patched = try await crm.request(.patch, "/relationships/\(singleID)", ["strength": 90, "notes": "Listing agent"])
            #expect(patched.json["strength"]?.intValue == 90 && patched.json["notes"] == "Listing agent" && patched.json["relationship_type"] == "listed_by")
            let replaced = try await crm.request(.put, "/relationships/\(singleID)", ["relationship_type": "sold_by"])
            #expect(replaced.json["relationship_type"] == "sold_by" && replaced.json["strength"] == nil && replaced.json["notes"] == "")
            #expect(try await crm.request(.patch, "/relationships/\(singleID)", ["strength": 101]).status == .unprocessableContent)

            // DELETE deactivates; the same link may then be made again; permanent removes.
            #expect(try await crm.request(.delete, "/relationships/\(ids[0])").status == .noContent)
            #expect(try await crm.request(.get, "/relationships?is_active=false").json["items"]?[0]?["id"]?.stringValue == ids[0])
            #expect(!(try await crm.ids("/relationships?is_active=true")).contains(ids[0]))
            #expect(try await crm.request(.post, "/relationships", link("contact", x, "record", home, "owns")).status == .created)
            #expect(try await crm.request(.patch, "/relationships/\(ids[0])", ["is_active": true]).errorCode == "relationship_exists")
            #expect(try await crm.request(.delete, "/relationships/\(ids[0])?permanent=true").status == .noContent)
            #expect(try await crm.request(.delete, "/relationships/\(ids[0])").errorCode == "relationship_not_found")
            #expect(try await crm.ids("/relationships?is_active=false").isEmpty)
        }
    }

    @Test func proposalsAreDecidedOnce() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let set = try #require(try await client.request(.post, "/api/v1/recordsets", json: ["name": "Homes"], headers: owner.headers()).json["id"]?.stringValue)
            let home = try #require(try await client.request(.post, "/api/v1/records", json: ["recordset_id": .string(set), "data": [:]], headers: owner.headers())
                .json["id"]?.stringValue)
            let existing = try await crm.contact(["full_name": "Grace Hopper", "company": "Navy", "tags": ["engineer"]])

            let first = try await crm.create("/proposals", [
                "contact": ["full_name": "Buyer Agent", "email": "agent@homes.example", "contact_type": "broker"], "trigger_entity_type": "record",
                "trigger_entity_id": .string(home), "confidence": .number(0.9), "reasoning": "Named in the notes",
                "suggested_relationships": [["target_type": "record", "target_id": .string(home), "relationship_type": "represents"]],
            ])
            #expect(first.json["status"] == "pending" && first.json["source"] == "agent" && first.json["contact"]?["full_name"] == "Buyer Agent")
            let firstID = try #require(first.json["id"]?.stringValue)
            let second = try #require(try await crm.create("/proposals", ["contact": ["full_name": "G. Hopper", "email": "grace@navy.example", "job_title": "Admiral",
                                                                                       "tags": ["speaker"]], "confidence": .number(0.4)]).json["id"]?.stringValue)
            let third = try #require(try await crm.create("/proposals", ["contact": ["full_name": "Nobody"], "confidence": .number(0.1)]).json["id"]?.stringValue)
            #expect(try await crm.request(.post, "/proposals", ["contact": ["full_name": "X"], "trigger_entity_type": "record",
                                                                "trigger_entity_id": .string(UUID().uuidString)]).errorCode == "trigger_entity_not_found")
            #expect(try await crm.request(.post, "/proposals", ["contact": ["full_name": ""], "confidence": 2]).json["error"]?["details"]?["fields"]
                .map { $0["contact.full_name"] != nil && $0["confidence"] != nil } == true)

            #expect(try await crm.ids("/proposals") == [third, second, firstID])
            #expect(try await crm.ids("/proposals?min_confidence=0.5") == [firstID])
            #expect(try await crm.ids("/proposals?trigger_entity_type=record&trigger_entity_id=\(home)") == [firstID])
            #expect(try await crm.ids("/proposals?page=2&page_size=2") == [firstID])
            #expect(try await crm.request(.get, "/proposals/\(firstID)").json["confidence"]?.numberValue == 0.9)
            #expect(try await crm.request(.get, "/proposals/\(UUID())").errorCode == "proposal_not_found")

            // Approve: the contact (with an override) and its suggested link; then never again.
            let approved = try await crm.request(.post, "/proposals/\(firstID)/approve", ["overrides": ["job_title": "Buyer's agent"]])
            #expect(approved.status == .ok && approved.json["proposal"]?["status"] == "approved")
            let newContact = try #require(approved.json["contact"]?["id"]?.stringValue)
            #expect(approved.json["proposal"]?["contact_id"]?.stringValue == newContact && approved.json["contact"]?["source"] == "proposal")
            #expect(approved.json["contact"]?["job_title"] == "Buyer's agent" && approved.json["contact"]?["email"] == "agent@homes.example")
            #expect(approved.json["relationships"]?[0]?["target_id"]?.stringValue == home && approved.json["relationships"]?[0]?["source_id"]?.stringValue == newContact)
            #expect(try await crm.request(.post, "/proposals/\(firstID)/approve", [:]).errorCode == "proposal_already_decided")
            #expect(try await crm.request(.post, "/proposals/\(firstID)/reject", [:]).errorCode == "proposal_already_decided")
            #expect(try await crm.request(.post, "/proposals/\(firstID)/merge", ["contact_id": .string(existing)]).errorCode == "proposal_already_decided")

            // Merge: only the empty fields are filled; tags are added.
            #expect(try await crm.request(.post, "/proposals/\(second)/merge", ["contact_id": .string(UUID().uuidString)]).errorCode == "contact_not_found")
            let merged = try await crm.request(.post, "/proposals/\(second)/merge", ["contact_id": .string(existing)])
            #expect(merged.json["proposal"]?["status"] == "merged" && merged.json["proposal"]?["contact_id"]?.stringValue == existing)
            #expect(merged.json["contact"]?["full_name"] == "Grace Hopper" && merged.json["contact"]?["email"] == "grace@navy.example")
            #expect(merged.json["contact"]?["job_title"] == "Admiral" && merged.json["contact"]?["tags"] == ["engineer", "speaker"])
            #expect(try await crm.request(.post, "/proposals/\(second)/merge", ["contact_id": .string(existing)]).errorCode == "proposal_already_decided")

            let rejected = try await crm.request(.post, "/proposals/\(third)/reject", ["reason": "Not a real person"])
            #expect(rejected.json["proposal"]?["status"] == "rejected" && rejected.json["proposal"]?["rejection_reason"] == "Not a real person")
            #expect(rejected.json["contact"] == nil)
            #expect(try await crm.request(.post, "/proposals/\(third)/approve", [:]).errorCode == "proposal_already_decided")
            #expect(try await crm.ids("/proposals?status=pending").isEmpty)
            #expect(try await crm.ids("/proposals?status=approved,merged") == [second, firstID])
            #expect(try await crm.ids("/contacts").count == 2, "one contact from the approval, none from the merge or the rejection")
        }
    }

    @Test func insightRulesDismissActionAndTheDashboard() async throws {
        try await TestPlatform.run { client, platform in
            let owner = try await platform.account(.alice, via: client)
            let crm = CRMClient(client: client, headers: owner.headers())
            let quiet = try await crm.contact(["full_name": "Quiet", "schedule_follow_up": false])
            let silent = try await crm.contact(["full_name": "Silent", "schedule_follow_up": false])
            let fresh = try await crm.contact(["full_name": "Fresh"])
            try await crm.interaction(quiet, daysAgo: 45)
            try await crm.interaction(silent, daysAgo: 75)
            try await crm.interaction(fresh, daysAgo: 1)

            let insights = try await crm.request(.get, "/insights").json["items"]?.arrayValue ?? []
            #expect(insights.count == 2)
            #expect(insights.first?["contact_id"]?.stringValue == silent && insights.first?["priority"] == "high", "past twice the threshold: high, first")
            #expect(insights.last?["contact_id"]?.stringValue == quiet && insights.last?["priority"] == "medium")
            #expect(insights.allSatisfy { $0["insight_type"] == "follow_up_needed" && $0["source"] == "rules" && $0["status"] == "open" })
            #expect(try await crm.request(.get, "/insights").json["items"]?.arrayValue?.count == 2, "reading again raises no second one")
            let quietInsight = try #require(insights.last?["id"]?.stringValue)
            let silentInsight = try #require(insights.first?["id"]?.stringValue)
            #expect(try await crm.ids("/insights?priority=high") == [silentInsight])
            #expect(try await crm.ids("/insights?contact_id=\(quiet)") == [quietInsight])
            #expect(try await crm.ids("/insights?insight_type=risk").isEmpty)
            #expect(try await crm.ids("/insights?limit=1") == [silentInsight])

            let dashboard = try await crm.request(.get, "/dashboard")
            #expect(dashboard.json["contacts"]?["total"]?.intValue == 3 && dashboard.json["contacts"]?["active"]?.intValue == 3)
            #expect(dashboard.json["interactions_last_30_days"]?.intValue == 1 && dashboard.json["open_insights"]?.intValue == 2)
            #expect(dashboard.json["urgent_insights"]?.intValue == 1 && dashboard.json["pending_proposals"]?.intValue == 0)
            #expect(dashboard.json["tasks"]?["open"]?.intValue == 1 && dashboard.json["my_tasks"]?["open"]?.intValue == 1)
            #expect(dashboard.json["my_due_tasks"]?.arrayValue?.count == 1 && dashboard.json["my_due_tasks"]?[0]?["contact_id"]?.stringValue == fresh)
            #expect(dashboard.json["needs_attention"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [silent, quiet, fresh])

            // Dismissed: gone from the default list, and not raised again until the next contact.
            let dismissed = try await crm.request(.post, "/insights/\(quietInsight)/dismiss")
            #expect(dismissed.json["status"] == "dismissed" && dismissed.json["decided_at"]?.stringValue != nil)
            #expect(try await crm.ids("/insights") == [silentInsight])
            #expect(Set(try await crm.ids("/insights?include_dismissed=true")) == [silentInsight, quietInsight])
            #expect(try await crm.request(.post, "/insights/\(quietInsight)/action").errorCode == "insight_dismissed")

            let actioned = try await crm.request(.post, "/insights/\(silentInsight)/action?action_taken=Called%20her")
            #expect(actioned.json["status"] == "actioned" && actioned.json["action_taken"] == "Called her")
            #expect(try await crm.ids("/insights") == [silentInsight], "actioned ones stay listed")
            #expect(try await crm.request(.post, "/insights/\(UUID())/dismiss").errorCode == "insight_not_found")
            #expect(try await crm.request(.post, "/insights/\(UUID())/action").errorCode == "insight_not_found")

            // Contacting Silent again resolves nothing open (it was actioned), and the rule stays quiet.
            try await crm.interaction(silent, daysAgo: 0)
            let after = try await crm.request(.get, "/dashboard")
            #expect(after.json["open_insights"]?.intValue == 0 && after.json["interactions_last_30_days"]?.intValue == 2)
            let quietAgain = try await crm.request(.get, "/insights?contact_id=\(quiet)&include_dismissed=true").json["items"]?.arrayValue ?? []
            #expect(quietAgain.count == 1, "a dismissal holds until the contact is next contacted")

            // A contact next contacted long ago again gets a new one; a recent contact resolves an open one.
            let other = try await crm.contact(["full_name": "Other", "schedule_follow_up": false])
            try await crm.interaction(other, daysAgo: 40)
            let raised = try #require(try await crm.request(.get, "/insights?contact_id=\(other)").json["items"]?[0]?["id"]?.stringValue)
            try await crm.interaction(other, daysAgo: 0)
            #expect(try await crm.ids("/insights?contact_id=\(other)").isEmpty)
            #expect(try await crm.request(.get, "/insights?contact_id=\(other)&include_dismissed=true").json["items"]?[0]?["status"] == "resolved")
            _ = raised
        }
    }
}
