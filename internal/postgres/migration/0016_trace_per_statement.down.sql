-- Back to 0010's row trigger.
DROP TRIGGER declaration_trace ON declaration;
DROP FUNCTION trace_index_declarations();

CREATE FUNCTION trace_index_declaration() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO trace_item (declaration_seq, received_at, seq, hs_code, origin, district, quantity, unit)
    SELECT NEW.seq, NEW.received_at, (g->>'Seq')::int, COALESCE(g->>'HSCode', ''), COALESCE(g->>'Origin', ''),
           COALESCE(g->>'DestinationDistrict', ''), COALESCE(g->>'Quantity', ''), COALESCE(g->>'Unit', '')
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.doc->'declaration'->'Goods') = 'array' THEN NEW.doc->'declaration'->'Goods' ELSE '[]'::jsonb END) AS g
    ON CONFLICT DO NOTHING;
    INSERT INTO trace_container (declaration_seq, received_at, container)
    SELECT DISTINCT NEW.seq, NEW.received_at, u->>'ID'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(NEW.doc->'declaration'->'Equipment') = 'array' THEN NEW.doc->'declaration'->'Equipment' ELSE '[]'::jsonb END) AS u
    WHERE COALESCE(u->>'ID', '') <> ''
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER declaration_trace AFTER INSERT ON declaration
    FOR EACH ROW EXECUTE FUNCTION trace_index_declaration();
