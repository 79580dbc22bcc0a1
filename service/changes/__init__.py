"""The data version: one counter that every write to the app's tables raises."""
