"""Code that runs inside Rasa's own environment (.venv-rasa, Python 3.10): the server entry
point with the action-response validator built once, and the NLU component that carries the
turn's language from the message metadata to the language slot. Nothing here imports the
app (receivables, api): Rasa's environment does not have its dependencies."""
