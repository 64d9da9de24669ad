"""The creditor's policy: loaded and validated once, and the limits it sets for one debtor."""
