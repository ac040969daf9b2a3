package awsfake

import (
	"fmt"
	"net/http"
)

// apiError is an error answer in the wire shape of the service that produced it.
type apiError struct {
	status  int
	code    string
	message string
	sender  bool           // query protocol <Type>: Sender (client fault) or Receiver
	extra   map[string]any // IoT only: extra JSON members, e.g. resourceId
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...), sender: status < 500}
}

// IoT error codes (REST-JSON, X-Amzn-Errortype).
func iotInvalid(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidRequestException", format, args...)
}
func iotNotFound(format string, args ...any) *apiError {
	return errf(http.StatusNotFound, "ResourceNotFoundException", format, args...)
}
func iotExists(id, arn, format string, args ...any) *apiError {
	e := errf(http.StatusConflict, "ResourceAlreadyExistsException", format, args...)
	e.extra = map[string]any{"resourceId": id, "resourceArn": arn}
	return e
}
func iotDeleteConflict(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "DeleteConflictException", format, args...)
}
func iotVersionsLimit(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "VersionsLimitExceededException", format, args...)
}
func iotMalformedPolicy(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "MalformedPolicyException", format, args...)
}

// IAM error codes (query protocol).
func iamInvalid(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "InvalidInput", format, args...)
}
func iamValidation(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "ValidationError", format, args...)
}
func iamNoSuchEntity(format string, args ...any) *apiError {
	return errf(http.StatusNotFound, "NoSuchEntity", format, args...)
}
func iamExists(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "EntityAlreadyExists", format, args...)
}
func iamDeleteConflict(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "DeleteConflict", format, args...)
}
func iamLimit(format string, args ...any) *apiError {
	return errf(http.StatusConflict, "LimitExceeded", format, args...)
}
func iamMalformed(format string, args ...any) *apiError {
	return errf(http.StatusBadRequest, "MalformedPolicyDocument", format, args...)
}
