-- Full-text search over archived message text. The trigram tokenizer indexes every three-character
-- sequence, so it matches inside Chinese (and Japanese, Thai…) text that has no spaces between
-- words, and it is case-insensitive. Queries shorter than three characters cannot use it: the
-- search falls back to a LIKE scan within the other filters (docs/archive.md).
-- External content: the text lives once, in message_texts; the trigger keeps the index current.
-- Rows are only ever inserted (INSERT OR IGNORE: an ignored duplicate does not fire the trigger).
CREATE VIRTUAL TABLE `message_fts` USING fts5(`text`, content='message_texts', content_rowid='rowid', tokenize='trigram');
--> statement-breakpoint
CREATE TRIGGER `message_texts_fts_insert` AFTER INSERT ON `message_texts` BEGIN
  INSERT INTO `message_fts` (rowid, `text`) VALUES (new.rowid, new.`text`);
END;
