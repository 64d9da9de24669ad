"""The audit log: who told, agreed or decided what, with whom, when."""
