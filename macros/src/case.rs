//! Name conversions from Rust's snake_case to the .NET names a WCF peer expects.

/// `add_to` → `AddTo` (operation names).
pub fn pascal_case(snake: &str) -> String {
    camel(snake, true)
}

/// `first_name` → `firstName` (parameter names).
pub fn lower_camel_case(snake: &str) -> String {
    camel(snake, false)
}

fn camel(snake: &str, upper_first: bool) -> String {
    let snake = snake.strip_prefix("r#").unwrap_or(snake);
    let mut out = String::with_capacity(snake.len());
    let mut upper = upper_first;
    for ch in snake.chars() {
        if ch == '_' {
            upper = !out.is_empty();
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_snake_case() {
        assert_eq!(pascal_case("add_to"), "AddTo");
        assert_eq!(pascal_case("equals"), "Equals");
        assert_eq!(pascal_case("r#type"), "Type");
        assert_eq!(pascal_case("get_2nd_value"), "Get2ndValue");
        assert_eq!(lower_camel_case("first_name"), "firstName");
        assert_eq!(lower_camel_case("n"), "n");
        assert_eq!(lower_camel_case("_private"), "private");
    }
}
