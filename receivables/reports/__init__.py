"""The credit manager's figures: DSO, ageing, payments, what the assistant resolves,
arrangements and the portfolio, over a period and compared with the one before."""
