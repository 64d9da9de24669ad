"""Payment providers behind one small interface: Mollie for production, a local provider
with its own checkout page for development and the tests."""
