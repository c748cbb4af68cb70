//! Help text listing a configuration's keys with their defaults and doc comments, generated from
//! the config types (`#[derive(config_doc::ConfigDoc)]` gives the keys and docs, the serialised
//! default gives the values), so it cannot drift from what the resolver accepts.

/// Keys as `#[derive(ConfigDoc)]` lists them: `(path, doc, kind)`.
pub type ConfigKeys = Vec<(String, &'static str, &'static str)>;

/// The value at a dotted `path` of `table`.
pub fn lookup<'a>(table: &'a toml::Table, path: &str) -> Option<&'a toml::Value> {
    let mut parts = path.split('.');
    let mut cur = table.get(parts.next()?)?;
    for p in parts {
        cur = cur.as_table()?.get(p)?;
    }
    Some(cur)
}

/// The key paths of `table`, descending only into the tables that `keys` marks as sections.
pub fn table_keys(table: &toml::Table, keys: &ConfigKeys) -> Vec<String> {
    fn walk(t: &toml::Table, prefix: &str, sections: &[&str], out: &mut Vec<String>) {
        for (k, v) in t {
            let path = format!("{prefix}{k}");
            match v.as_table() {
                Some(sub) if sections.contains(&path.as_str()) => walk(sub, &format!("{path}."), sections, out),
                _ => out.push(path),
            }
        }
    }
    let sections: Vec<&str> = keys.iter().filter(|k| k.2 == "section").map(|k| k.0.as_str()).collect();
    let mut out = Vec::new();
    walk(table, "", &sections, &mut out);
    out.sort();
    out
}

/// `defaults` serialised as a TOML table.
pub fn to_table<T: serde::Serialize>(defaults: &T) -> toml::Table {
    toml::Table::try_from(defaults).unwrap_or_default()
}

fn short(v: &toml::Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// One block per key: `  path = default` then its doc, sections as headings.
pub fn render(keys: &ConfigKeys, defaults: &toml::Table) -> String {
    let mut out = String::new();
    for (path, doc, kind) in keys {
        if *kind == "section" {
            out.push_str(&format!("\n[{path}] {doc}\n"));
            continue;
        }
        let value = lookup(defaults, path).map_or_else(|| "(unset)".to_string(), short);
        out.push_str(&format!("  {path} = {value}\n      {doc}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dqn::TrainConfig;
    use crate::seg::config::SegTrainConfig;

    fn check(keys: ConfigKeys, table: toml::Table) {
        let listed: Vec<String> = keys.iter().filter(|k| k.2 != "section").map(|k| k.0.clone()).collect();
        let serialised = table_keys(&table, &keys);
        for k in &serialised {
            assert!(listed.contains(k), "{k} is in the TOML but not in the help");
        }
        for (path, doc, kind) in &keys {
            assert!(!doc.is_empty(), "{path} has no doc comment");
            if *kind == "value" {
                assert!(serialised.contains(path), "{path} is in the help but not in the TOML");
            }
        }
        let text = render(&keys, &table);
        assert!(listed.iter().all(|k| text.contains(&format!("  {k} = "))));
    }

    #[test]
    fn the_help_lists_exactly_the_keys_of_the_configs() {
        let keys = TrainConfig::config_keys("");
        for k in [
            "dqn.learning_rate_end",
            "dqn.adam_eps",
            "dqn.per_eps",
            "env.max_pool",
            "env.grayscale",
        ] {
            assert!(keys.iter().any(|(p, _, _)| p == k), "{k} missing");
        }
        check(keys, to_table(&TrainConfig::default()));
        let seg = SegTrainConfig::new(std::path::Path::new("DATA"), "basic", (360, 480)).unwrap();
        check(SegTrainConfig::config_keys(""), to_table(&seg));
    }
}
