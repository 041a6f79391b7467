-- Signup jobs keep the owner's first session sealed in their result for 15 minutes; the control
-- sweep erases it after that, and this index keeps the sweep from reading every job.
CREATE INDEX jobs_sealed_results ON jobs (completed_at) WHERE result ? 'sealed_session';
