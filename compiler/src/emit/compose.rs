use super::{EmitContext, EmitError, Emitted};
pub fn emit(_cx: &EmitContext) -> Result<Emitted, EmitError> { todo!() }
