"""Staff's home: what needs a decision or a look, without hunting through the admin."""
