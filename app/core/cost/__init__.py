"""What a change cost in LLM tokens and dollars: counting tokens (`tokens`), reading the usage
agents record (`usage`), pricing requests (`prices`), the estimate (`estimate`) and the budgets
it is held to (`budget`)."""
