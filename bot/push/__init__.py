"""The push engine: delivers each outbox row as fast as the platforms allow, and no faster."""
