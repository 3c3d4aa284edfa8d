"""The HTTP plumbing every edge shares: reading requests leniently, the per-request runtime, request
ids and credentials, and the error boundary. No edge imports another; they all import this."""
