"""Rate limits shared by every gateway process: in Redis, or else in the database."""
