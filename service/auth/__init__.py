"""Who is calling: organisers (admin and issued tokens) and participants (their own token)."""
