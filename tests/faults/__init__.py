"""Fault injection: SIGKILL training runs at random moments and check checkpoints, backups and logs survive."""
