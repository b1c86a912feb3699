"""What a change cost in LLM tokens and dollars: counting tokens (`tokens`), reading the usage
agents record (`usage`), and the estimate with its budget (`estimate`)."""
