"""GitHub's REST API: `client` sends the requests (the app's auth, retries, write spacing,
errors, pagination) and `source` turns the answers into typed models."""
