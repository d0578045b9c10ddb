"""Azure (azure-native) rules."""
