"""The consultation report (DESIGN §5): who took part and what they said, published after each consultation.
Its statistics are aggregates with small cells suppressed, so that no participant can be singled out."""
