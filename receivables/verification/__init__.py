"""Who the debtor is: a reference plus a second factor; a phone number or chat account is a hint, never proof."""
