-- The SQLite schema as migration 1 created it (first release), to test upgrades.
CREATE TABLE schema_migrations (
	version INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	applied_at DATETIME NOT NULL, 
	PRIMARY KEY (version)
);
CREATE TABLE outlets (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE imports (
	id INTEGER NOT NULL, 
	kind VARCHAR(20) NOT NULL, 
	sources JSON NOT NULL, 
	summary JSON NOT NULL, 
	created_by VARCHAR(200) DEFAULT '' NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
CREATE TABLE label_sets (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	version INTEGER NOT NULL, 
	definition JSON NOT NULL, 
	source_hash VARCHAR(64) DEFAULT '' NOT NULL, 
	note TEXT DEFAULT '' NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_label_sets_name_version UNIQUE (name, version)
);
CREATE TABLE documents (
	id INTEGER NOT NULL, 
	uid VARCHAR(200) NOT NULL, 
	outlet_id INTEGER NOT NULL, 
	title TEXT DEFAULT '' NOT NULL, 
	url TEXT DEFAULT '' NOT NULL, 
	published VARCHAR(40) DEFAULT '' NOT NULL, 
	language VARCHAR(10) DEFAULT '' NOT NULL, 
	text TEXT NOT NULL, 
	content_hash VARCHAR(64) NOT NULL, 
	source TEXT DEFAULT '' NOT NULL, 
	import_id INTEGER, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (uid), 
	FOREIGN KEY(outlet_id) REFERENCES outlets (id), 
	UNIQUE (content_hash), 
	FOREIGN KEY(import_id) REFERENCES imports (id)
);
CREATE INDEX ix_documents_outlet ON documents (outlet_id);
CREATE TABLE revisions (
	id INTEGER NOT NULL, 
	annotator VARCHAR(200) NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	created_at DATETIME NOT NULL, 
	seconds INTEGER, 
	reverts_id INTEGER, 
	import_id INTEGER, 
	PRIMARY KEY (id), 
	FOREIGN KEY(reverts_id) REFERENCES revisions (id), 
	FOREIGN KEY(import_id) REFERENCES imports (id)
);
CREATE TABLE sentences (
	id INTEGER NOT NULL, 
	document_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	start_char INTEGER NOT NULL, 
	end_char INTEGER NOT NULL, 
	text TEXT NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_sentences_document_position UNIQUE (document_id, position), 
	FOREIGN KEY(document_id) REFERENCES documents (id)
);
CREATE TABLE annotations (
	id INTEGER NOT NULL, 
	revision_id INTEGER NOT NULL, 
	sentence_id INTEGER NOT NULL, 
	annotator VARCHAR(200) NOT NULL, 
	task VARCHAR(100) NOT NULL, 
	target VARCHAR(200) DEFAULT '' NOT NULL, 
	value VARCHAR(200), 
	span_start INTEGER, 
	span_end INTEGER, 
	label_set VARCHAR(200) NOT NULL, 
	label_set_version INTEGER NOT NULL, 
	source VARCHAR(20) NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(revision_id) REFERENCES revisions (id), 
	FOREIGN KEY(sentence_id) REFERENCES sentences (id)
);
CREATE INDEX ix_annotations_annotator ON annotations (annotator, sentence_id);
CREATE INDEX ix_annotations_revision ON annotations (revision_id);
CREATE INDEX ix_annotations_key ON annotations (sentence_id, annotator, task, target, revision_id);
CREATE TABLE progress (
	annotator VARCHAR(200) NOT NULL, 
	sentence_id INTEGER NOT NULL, 
	PRIMARY KEY (annotator, sentence_id), 
	FOREIGN KEY(sentence_id) REFERENCES sentences (id)
);
CREATE INDEX ix_progress_sentence ON progress (sentence_id);

INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'initial schema', '2026-11-22 01:37:11.610975');
