-- Back to the view as the stored document: the route column goes, and
-- each document is the view again, as internal/view.NewView built it from
-- the model (the live parts left out, as before). The conversion is the
-- up migration's read forwards; what the view never held (the paths in the
-- port's message, the evidence order) is lost, as it was before 0008.
UPDATE declaration d SET doc = jsonb_build_object(
    'id', d.id,
    'port', m->'Source'->'Port',
    'portRef', m->'Source'->'PortRef',
    'direction', m->'Direction',
    'ruleSet', m->'RuleSet',
    'dialect', m->'Source'->'Dialect',
    'receivedAt', m->'Source'->'ReceivedAt',
    'declaredAt', CASE WHEN m->'Source'->>'DeclaredAt' LIKE '0001-01-01%' THEN 'null'::jsonb ELSE m->'Source'->'DeclaredAt' END,
    'digest', m->'Source'->'Digest',
    'customs', jsonb_build_object('declaring', m->'Customs'->'Declaring', 'port', m->'Customs'->'Port'),
    'parties', (
        SELECT jsonb_object_agg(r.role, (
            SELECT jsonb_strip_nulls(jsonb_build_object(
                       'uscc', NULLIF(p->>'USCC', ''),
                       'customsCode', NULLIF(p->>'CustomsCode', ''))) ||
                   jsonb_build_object('name', p->'Name', 'country', to_jsonb(NULLIF(p->>'Country', '')))
            FROM jsonb_array_elements(COALESCE(NULLIF(m->'Parties', 'null'::jsonb), '[]'::jsonb)) AS p
            WHERE p->>'Role' = r.role))
        FROM unnest(CASE WHEN m->>'Direction' = 'export' THEN ARRAY['consignor', 'owner', 'declarant', 'overseas']
                         ELSE ARRAY['consignee', 'owner', 'declarant', 'overseas'] END
                    || ARRAY(SELECT p->>'Role' FROM jsonb_array_elements(COALESCE(NULLIF(m->'Parties', 'null'::jsonb), '[]'::jsonb)) AS p)) AS r(role)),
    'transport', jsonb_strip_nulls(jsonb_build_object('houseBill', NULLIF(m->'Transport'->>'HouseBill', ''))) || jsonb_build_object(
        'mode', m->'Transport'->'Mode',
        'means', to_jsonb(NULLIF(m->'Transport'->>'Means', '')),
        'billNo', to_jsonb(NULLIF(m->'Transport'->>'BillNo', '')),
        CASE WHEN m->>'Direction' = 'export' THEN 'arrivalCountry' ELSE 'departureCountry' END, to_jsonb(NULLIF(m->'Transport'->>'Country', '')),
        'departurePort', to_jsonb(NULLIF(m->'Transport'->>'DeparturePort', '')),
        'departureDate', to_jsonb(NULLIF(m->'Transport'->>'DepartureDate', ''))),
    'trade', CASE WHEN jsonb_typeof(m->'Trade') = 'object' THEN jsonb_build_object(
        'mode', m->'Trade'->'Mode', 'terms', to_jsonb(NULLIF(m->'Trade'->>'Terms', ''))) ELSE 'null'::jsonb END,
    'weights', CASE WHEN jsonb_typeof(m->'Weights') = 'object' THEN jsonb_build_object(
        'gross', to_jsonb(NULLIF(m->'Weights'->>'Gross', '')), 'net', to_jsonb(NULLIF(m->'Weights'->>'Net', '')),
        'packages', to_jsonb(NULLIF(m->'Weights'->>'Packages', ''))) ELSE 'null'::jsonb END,
    'destinationOffice', to_jsonb(NULLIF(m->>'DestinationOffice', '')),
    'directTransit', CASE WHEN jsonb_typeof(m->'DirectTransit') = 'object' THEN jsonb_strip_nulls(jsonb_build_object(
        'straySeals', NULLIF(m->'DirectTransit'->'StraySeals', 'null'::jsonb))) || jsonb_build_object(
        'zone', m->'DirectTransit'->'Zone', 'originalContainers', m->'DirectTransit'->'OriginalContainers',
        'granted', m->'DirectTransit'->'Granted', 'sealCount', m->'DirectTransit'->'SealCount') ELSE 'null'::jsonb END,
    'equipment', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', u->'ID', 'kind', u->'Kind', 'type', to_jsonb(NULLIF(u->>'Type', '')),
        'seals', COALESCE(NULLIF(u->'Seals', 'null'::jsonb), '[]'::jsonb)) ORDER BY n)
        FROM jsonb_array_elements(COALESCE(NULLIF(m->'Equipment', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY AS e(u, n)), '[]'::jsonb),
    'goods', COALESCE((SELECT jsonb_agg(jsonb_strip_nulls(jsonb_build_object('hazardFlagged', CASE WHEN (g->>'HazardFlagged')::bool THEN 'true'::jsonb END)) || jsonb_build_object(
        'seq', g->'Seq', 'hsCode', g->'HSCode', 'ciqCode', to_jsonb(NULLIF(g->>'CIQCode', '')), 'name', to_jsonb(NULLIF(g->>'Name', '')),
        'spec', to_jsonb(NULLIF(g->>'Spec', '')), 'quantity', g->'Quantity', 'unit', g->'Unit', 'value', g->'Value',
        'currency', g->'Currency', 'origin', g->'Origin', 'destinationDistrict', to_jsonb(NULLIF(g->>'DestinationDistrict', '')),
        'dangerousGoods', CASE WHEN jsonb_typeof(g->'DangerousGoods') = 'object' THEN jsonb_strip_nulls(jsonb_build_object(
            'declaredClass', NULLIF(g->'DangerousGoods'->>'DeclaredClass', ''))) || jsonb_build_object(
            'un', to_jsonb(NULLIF(g->'DangerousGoods'->>'UN', '')), 'class', to_jsonb(NULLIF(g->'DangerousGoods'->>'Class', '')),
            'packingGroup', to_jsonb(NULLIF(g->'DangerousGoods'->>'PackingGroup', '')),
            'packaging', to_jsonb(NULLIF(g->'DangerousGoods'->>'Packaging', '')), 'bulk', g->'DangerousGoods'->'Bulk') ELSE 'null'::jsonb END,
        'foodProducerRegistration', to_jsonb(NULLIF(g->>'FoodProducerRegistration', ''))) ORDER BY n)
        FROM jsonb_array_elements(COALESCE(NULLIF(m->'Goods', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY AS e(g, n)), '[]'::jsonb),
    'route', COALESCE(d.route, 'null'::jsonb),
    'warnings', COALESCE((SELECT jsonb_agg(jsonb_build_object('path', w->'Path', 'code', w->'Code', 'message', w->'Message') ORDER BY n)
        FROM jsonb_array_elements(COALESCE(NULLIF(m->'Warnings', 'null'::jsonb), '[]'::jsonb)) WITH ORDINALITY AS e(w, n)), '[]'::jsonb))
FROM (SELECT id, doc->'declaration' AS m FROM declaration WHERE doc ? 'v') AS x
WHERE d.id = x.id;

ALTER TABLE declaration DROP COLUMN route;
