"""Money coming in: payment links (one open link per target) and payments booked once."""
