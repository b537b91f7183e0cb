-- A provisional figure (速報値, 見込み, 暫定値) keeps its mark apart from the number:
-- `265人（速報値）` is stored as printed `265人`, value 265 and provisional `速報値`,
-- and the reports print the mark as a note. NULL: a final figure (every row before).
ALTER TABLE observations ADD COLUMN provisional TEXT;

ALTER TABLE kpi_values ADD COLUMN actual_provisional TEXT;
