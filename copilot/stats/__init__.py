"""The lead's stats: events recorded from the sidebars, tallied per rule, day, agent and phrase."""
