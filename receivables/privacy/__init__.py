"""The debtor's privacy rights (export, erasure) and the retention of transcripts."""
