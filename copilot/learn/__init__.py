"""Learning from the team: candidate example questions from agents' use of phrases and from imported
chat logs, masked before they are stored, and the gaps no phrase answers."""
