"""Payment plans and promises to pay: reading what the debtor asks, schedules inside the policy, storing them, and the follow-up job that marks missed ones broken."""
