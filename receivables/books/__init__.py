"""The creditor's books in and out: bulk imports of debtors, invoices, credit notes and
payments, bank statements reconciled, refunds and chargebacks, and the events that go back."""
