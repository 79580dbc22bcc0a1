"""Data files the matcher ships: the bilingual domain glossary and stop words."""
