-- API keys get a description (the seed's update route changes name, description, scopes and state).
ALTER TABLE api_keys ADD COLUMN description text NOT NULL DEFAULT '' CHECK (length(description) <= 1000);
