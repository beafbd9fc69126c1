-- Where an imported set or card came from, so a second import of the same package adds nothing:
-- an Anki deck's id for a set, an Anki note's guid with the card's number for a card.

ALTER TABLE flashcard_sets ADD COLUMN external_key text;
ALTER TABLE flashcards ADD COLUMN external_key text;

-- A deck's sets, found by the import (a deck of more cards than a set holds fills several).
CREATE INDEX flashcard_sets_user_external_key_idx
    ON flashcard_sets (user_id, external_key)
    WHERE external_key IS NOT NULL;

-- A card is imported once per set; the import also checks the user's other sets, under a lock.
CREATE UNIQUE INDEX flashcards_set_external_key_key
    ON flashcards (flashcard_set_id, external_key)
    WHERE external_key IS NOT NULL;
CREATE INDEX flashcards_external_key_idx
    ON flashcards (external_key)
    WHERE external_key IS NOT NULL;
