"""The GitHub Action's entry point (`ai-gate action`): the App's analysis of the workflow's pull
request, published with the workflow's token."""
