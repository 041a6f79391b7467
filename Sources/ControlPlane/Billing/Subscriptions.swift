import Foundation
import PlatformCore

/// Each workspace's subscription (`control.subscriptions`).
enum Subscriptions {
    /// A new workspace's subscription: the configured trial (`TRIAL_TIER`, `TRIAL_DAYS`), or with no
    /// trial days, active on that tier for a month. Written in the statement after the workspace's
    /// own; again, it changes nothing.
    static func open(_ workspace: UUID, trial: Trial) -> SQLFragment {
        let days = trial.days
        return """
            INSERT INTO control.subscriptions
                (workspace_id, tier_id, status, trial_start, trial_end, current_period_start, current_period_end)
            SELECT \(workspace), t.id, CASE WHEN \(days) > 0 THEN 'trialing' ELSE 'active' END,
                   CASE WHEN \(days) > 0 THEN now() END, CASE WHEN \(days) > 0 THEN now() + \(days) * interval '1 day' END,
                   now(), now() + CASE WHEN \(days) > 0 THEN \(days) * interval '1 day' ELSE interval '1 month' END
            FROM control.billing_tiers t WHERE t.id = \(trial.tier)
            ON CONFLICT (workspace_id) DO NOTHING
            """
    }
}
