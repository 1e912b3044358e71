"""discrepancy: keep track of conflicting claims."""
