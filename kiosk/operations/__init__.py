"""What keeps an unattended kiosk accountable: hours, supervision, proof of play, status, logs."""
