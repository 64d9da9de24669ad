"""Debtor profiles: the five groups of credit-management practice, risk, reasons, and the credit information behind them."""
