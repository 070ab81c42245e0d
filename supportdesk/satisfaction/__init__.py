"""The satisfaction survey: one rating per resolved request, and its report."""
