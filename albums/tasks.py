"""Albums have no background work of their own yet."""
