"""The report published after a consultation: who took part, what they said, and the key concerns."""
