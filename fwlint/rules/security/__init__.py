"""Security rules (FW4xx): rulesets that are valid but leave the host open or lock its admin out."""
