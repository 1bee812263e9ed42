"""What is on screen when: the timeline, the player, clips and the loop's pace."""
