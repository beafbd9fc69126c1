DROP TABLE review_settings;
DROP TABLE flashcard_reviews;
DROP TABLE flashcard_schedules;
DROP TYPE review_rating;
DROP TYPE card_state;
