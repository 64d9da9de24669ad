"""Orchestration that spans domains, one module per flow: a debtor turn, a channel delivery,
a payment's news, a collector's action, a phone call's steps. Routes only translate HTTP."""
