-- The stored document becomes the domain model: declaration.doc holds
-- {"v": 1, "declaration": <customs.Declaration as encoding/json writes it,
-- with its route>}, and the API's view is rendered from it. The route as
-- the API shows it, which webhook events and the first timeline entry
-- carry, gets its own column.
--
-- Existing rows hold the view (api.md's GET shape, less the live parts);
-- each is converted here, in SQL, field by field, the way the view was
-- built from the model (internal/view.NewView), read backwards. What the
-- view never kept is left empty: the port-message paths (Paths, GoodsItem
-- Path), which only ever served problems reported at intake; the reasons'
-- evidence, a map in the view, is kept in key order. The draw comes from
-- its own column. Rows already converted (with "v") are left alone.
ALTER TABLE declaration ADD COLUMN IF NOT EXISTS route jsonb;

UPDATE declaration SET route = doc->'route' WHERE NOT doc ? 'v';

UPDATE declaration d SET doc = jsonb_build_object('v', 1, 'declaration', jsonb_build_object(
    'ID', d.id,
    'RuleSet', COALESCE(v.doc->>'ruleSet', ''),
    'Source', jsonb_build_object(
        'Port', COALESCE(v.doc->>'port', ''),
        'PortRef', COALESCE(v.doc->>'portRef', ''),
        'Dialect', COALESCE(v.doc->>'dialect', ''),
        'ReceivedAt', COALESCE(v.doc->>'receivedAt', '0001-01-01T00:00:00Z'),
        'DeclaredAt', COALESCE(v.doc->>'declaredAt', '0001-01-01T00:00:00Z'),
        'Digest', COALESCE(v.doc->>'digest', '')),
    'Direction', COALESCE(v.doc->>'direction', ''),
    'Customs', jsonb_build_object(
        'Declaring', COALESCE(v.doc->'customs'->>'declaring', ''),
        'Port', COALESCE(v.doc->'customs'->>'port', '')),
    'Parties', COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'Role', r.role,
                   'USCC', COALESCE(v.doc->'parties'->r.role->>'uscc', ''),
                   'CustomsCode', COALESCE(v.doc->'parties'->r.role->>'customsCode', ''),
                   'Name', COALESCE(v.doc->'parties'->r.role->>'name', ''),
                   'Country', COALESCE(v.doc->'parties'->r.role->>'country', ''))
               ORDER BY r.n)
        FROM unnest(ARRAY['consignee', 'consignor', 'owner', 'declarant', 'overseas']) WITH ORDINALITY AS r(role, n)
        WHERE jsonb_typeof(v.doc->'parties'->r.role) = 'object'), 'null'::jsonb),
    'Transport', jsonb_build_object(
        'Mode', COALESCE(v.doc->'transport'->>'mode', ''),
        'Means', COALESCE(v.doc->'transport'->>'means', ''),
        'BillNo', COALESCE(v.doc->'transport'->>'billNo', ''),
        'HouseBill', COALESCE(v.doc->'transport'->>'houseBill', ''),
        'Country', COALESCE(v.doc->'transport'->>'departureCountry', '') || COALESCE(v.doc->'transport'->>'arrivalCountry', ''),
        'DeparturePort', COALESCE(v.doc->'transport'->>'departurePort', ''),
        'DepartureDate', COALESCE(v.doc->'transport'->>'departureDate', '')),
    'Trade', CASE WHEN jsonb_typeof(v.doc->'trade') = 'object' THEN jsonb_build_object(
        'Mode', COALESCE(v.doc->'trade'->>'mode', ''),
        'Terms', COALESCE(v.doc->'trade'->>'terms', '')) ELSE 'null'::jsonb END,
    'Weights', CASE WHEN jsonb_typeof(v.doc->'weights') = 'object' THEN jsonb_build_object(
        'Gross', COALESCE(v.doc->'weights'->>'gross', ''),
        'Net', COALESCE(v.doc->'weights'->>'net', ''),
        'Packages', COALESCE(v.doc->'weights'->>'packages', '')) ELSE 'null'::jsonb END,
    'DestinationOffice', COALESCE(v.doc->>'destinationOffice', ''),
    'DirectTransit', CASE WHEN jsonb_typeof(v.doc->'directTransit') = 'object' THEN jsonb_build_object(
        'Zone', COALESCE(v.doc->'directTransit'->>'zone', ''),
        'OriginalContainers', COALESCE(v.doc->'directTransit'->'originalContainers', 'null'::jsonb),
        'Granted', COALESCE(v.doc->'directTransit'->'granted', 'false'::jsonb),
        'StraySeals', COALESCE(v.doc->'directTransit'->'straySeals', 'null'::jsonb),
        'SealCount', COALESCE(v.doc->'directTransit'->'sealCount', '0'::jsonb)) ELSE 'null'::jsonb END,
    'Equipment', COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'ID', COALESCE(u->>'id', ''),
                   'Kind', COALESCE(u->>'kind', ''),
                   'Type', COALESCE(u->>'type', ''),
                   'Seals', CASE WHEN jsonb_typeof(u->'seals') = 'array' AND jsonb_array_length(u->'seals') > 0
                                 THEN u->'seals' ELSE 'null'::jsonb END)
               ORDER BY n)
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.doc->'equipment') = 'array' THEN v.doc->'equipment' ELSE '[]'::jsonb END)
             WITH ORDINALITY AS e(u, n)), 'null'::jsonb),
    'Goods', COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'Seq', COALESCE(g->'seq', '0'::jsonb),
                   'HSCode', COALESCE(g->>'hsCode', ''),
                   'CIQCode', COALESCE(g->>'ciqCode', ''),
                   'Name', COALESCE(g->>'name', ''),
                   'Spec', COALESCE(g->>'spec', ''),
                   'Quantity', COALESCE(g->>'quantity', ''),
                   'Unit', COALESCE(g->>'unit', ''),
                   'Value', COALESCE(g->>'value', ''),
                   'Currency', COALESCE(g->>'currency', ''),
                   'Origin', COALESCE(g->>'origin', ''),
                   'DestinationDistrict', COALESCE(g->>'destinationDistrict', ''),
                   'DangerousGoods', CASE WHEN jsonb_typeof(g->'dangerousGoods') = 'object' THEN jsonb_build_object(
                       'UN', COALESCE(g->'dangerousGoods'->>'un', ''),
                       'Class', COALESCE(g->'dangerousGoods'->>'class', ''),
                       'DeclaredClass', COALESCE(g->'dangerousGoods'->>'declaredClass', ''),
                       'PackingGroup', COALESCE(g->'dangerousGoods'->>'packingGroup', ''),
                       'Packaging', COALESCE(g->'dangerousGoods'->>'packaging', ''),
                       'Bulk', COALESCE(g->'dangerousGoods'->'bulk', 'false'::jsonb)) ELSE 'null'::jsonb END,
                   'FoodProducerRegistration', COALESCE(g->>'foodProducerRegistration', ''),
                   'HazardFlagged', COALESCE(g->'hazardFlagged', 'false'::jsonb),
                   'Path', '')
               ORDER BY n)
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.doc->'goods') = 'array' THEN v.doc->'goods' ELSE '[]'::jsonb END)
             WITH ORDINALITY AS e(g, n)), 'null'::jsonb),
    'Route', CASE WHEN jsonb_typeof(v.doc->'route') = 'object' THEN jsonb_build_object(
        'Lane', COALESCE(v.doc->'route'->>'lane', ''),
        'Workflows', COALESCE(v.doc->'route'->'workflows', 'null'::jsonb),
        'Bureau', COALESCE(v.doc->'route'->>'bureau', ''),
        'RuleSet', COALESCE(v.doc->'route'->>'ruleSet', ''),
        'Tasks', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'ID', COALESCE(t->>'id', ''),
                       'Workflow', COALESCE(t->>'workflow', ''),
                       'Bureau', COALESCE(t->>'bureau', ''),
                       'Items', COALESCE(t->'items', 'null'::jsonb),
                       'Status', COALESCE(t->>'status', ''),
                       'Inspector', COALESCE(t->>'inspector', ''))
                   ORDER BY n)
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.doc->'route'->'tasks') = 'array' THEN v.doc->'route'->'tasks' ELSE '[]'::jsonb END)
                 WITH ORDINALITY AS e(t, n)), 'null'::jsonb),
        'Reasons', COALESCE((
            SELECT jsonb_agg(jsonb_build_object(
                       'Rule', COALESCE(re->>'rule', ''),
                       'Item', COALESCE(re->'item', '0'::jsonb),
                       'Evidence', (SELECT jsonb_agg(jsonb_build_object('Name', ev.key, 'Value', ev.value) ORDER BY ev.key)
                                    FROM jsonb_each_text(CASE WHEN jsonb_typeof(re->'evidence') = 'object' THEN re->'evidence' ELSE '{}'::jsonb END) AS ev))
                   ORDER BY n)
            FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.doc->'route'->'reasons') = 'array' THEN v.doc->'route'->'reasons' ELSE '[]'::jsonb END)
                 WITH ORDINALITY AS e(re, n)), 'null'::jsonb),
        'Draw', COALESCE(d.draw, 'null'::jsonb)) ELSE 'null'::jsonb END,
    'Warnings', COALESCE((
        SELECT jsonb_agg(jsonb_build_object(
                   'Path', COALESCE(w->>'path', ''),
                   'Code', COALESCE(w->>'code', ''),
                   'Message', COALESCE(w->>'message', ''))
               ORDER BY n)
        FROM jsonb_array_elements(CASE WHEN jsonb_typeof(v.doc->'warnings') = 'array' THEN v.doc->'warnings' ELSE '[]'::jsonb END)
             WITH ORDINALITY AS e(w, n)), 'null'::jsonb),
    'Paths', jsonb_build_object('DestinationOffice', '', 'DirectTransitZone', '', 'District', '', 'UN', '', 'PackingGroup', '', 'PackagingMark', '')))
FROM (SELECT id, doc FROM declaration WHERE NOT doc ? 'v') AS v
WHERE d.id = v.id;
